// Drives the server's page for one send (/sends/<id>) in Debian's Chromium: without a
// token it asks for one and refuses a wrong one; with the token in the URL's fragment it
// takes it out of the address bar and shows the send live, from before it starts until
// every message settled. Run by tests/browser/test_send_page.py, which reads the "@"
// lines this prints.
//
// Environment: SEND_URL, TOKEN, SCREENSHOT (a PNG path), CHROMIUM; DEBUG=1 as offline.mjs.
import { WAIT, env, runOffline, say } from "./offline.mjs";

const COUNTERS = ["total", "queued", "sent", "delivered", "read", "failed", "skipped"];
const SETTLE = { timeout: 90_000 };

async function counters(page) {
  const shown = {};
  for (const name of COUNTERS) {
    shown[name] = Number((await page.locator(`#${name}`).textContent()).replaceAll(",", ""));
  }
  return shown;
}

async function refusesWrongToken(page) {
  await page.goto(env("SEND_URL"));
  await page.locator("#ask").waitFor({ state: "visible", ...WAIT });
  say("asked for a token");
  await page.locator("#token").fill("cmp_not_a_real_token");
  await page.locator("#ask button").click();
  await page.waitForFunction(
    () => document.getElementById("ask-message").textContent.includes("not accepted"),
    undefined,
    WAIT,
  );
  say("refused a wrong token");
}

async function followsTheSend(page, token) {
  await page.goto("about:blank"); // a new document: a fragment-only change would not load it
  await page.goto(`${env("SEND_URL")}#token=${encodeURIComponent(token)}`);
  await page.locator("#progress").waitFor({ state: "visible", ...WAIT });
  if (new URL(page.url()).hash) throw new Error(`the token stayed in the address bar: ${page.url()}`);
  say(`showing ${await page.locator("#status").textContent()}`);
  await page.waitForFunction(() => {
    const number = (id) => Number(document.getElementById(id).textContent.replaceAll(",", ""));
    const settled = number("read") + number("failed") + number("skipped") === number("total");
    return document.getElementById("status").textContent === "COMPLETED" && settled;
  }, undefined, SETTLE);
  say(`counters ${JSON.stringify(await counters(page))}`);
  say(`bar ${await page.locator("#bar").getAttribute("aria-valuenow")}`);
  await page.waitForTimeout(500); // the bar's widths animate for 0.3 s
  await page.screenshot({ path: env("SCREENSHOT") });
}

async function main(page) {
  const token = env("TOKEN");
  const requested = [];
  page.on("request", (request) => requested.push(request.url()));
  await refusesWrongToken(page);
  await followsTheSend(page, token);
  const leaked = requested.filter((address) => address.includes(token));
  if (leaked.length) throw new Error(`the token went into a request: ${leaked.join(", ")}`);
}

await runOffline(main, { viewport: { width: 900, height: 760 } });
