// Drives the server's GraphiQL page in Debian's Chromium as a person would: token into the
// Headers tab, a query, then a named and an anonymous subscription that must show a
// campaign's status changes. Run by tests/browser/test_graphiql.py, which reads the
// "@" lines this prints and makes the status change happen once a subscription is live.
//
// Environment: GRAPHIQL_URL, TOKEN, MERCHANT_NAME, NAMED_CAMPAIGN, ANONYMOUS_CAMPAIGN,
// SCREENSHOT (a PNG path), CHROMIUM (default /usr/bin/chromium); DEBUG=1 also prints the
// page's requests, console and WebSocket frames.
import { WAIT, env, runOffline, say } from "./offline.mjs";

const url = env("GRAPHIQL_URL");

async function setEditor(page, selector, text) {
  // Click into the editor, select all, and type the text in one go (as a paste would,
  // so the editor's bracket auto-closing does not add to it).
  await page.locator(`${selector} .CodeMirror >> visible=true`).click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

async function setQuery(page, text) {
  await setEditor(page, ".graphiql-query-editor", text);
  // GraphiQL parses the query editor a moment after a change and picks the operation to
  // run from that parse; a person sees the editor settle, the script waits for it.
  await page.waitForFunction(() => {
    const editor = document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror;
    const parsed = editor.documentAST;
    return parsed && parsed.loc && parsed.loc.source.body === editor.getValue();
  }, undefined, WAIT);
}

function subscriptionOf(campaignId, name = "") {
  const head = name ? `subscription ${name}` : "subscription";
  return `${head} {\n  campaignStatusChanged(campaignId: "${campaignId}") {\n    previousStatus\n    campaign { id status }\n  }\n}`;
}

async function response(page) {
  return page.evaluate(() => document.querySelector(".result-window .CodeMirror").CodeMirror.getValue());
}

async function waitForResponse(page, description, accept, arg) {
  try {
    await page.waitForFunction(accept, arg, WAIT);
  } catch (error) {
    throw new Error(`${description}; the result pane shows:\n${await response(page)}`);
  }
}

async function runQuery(page) {
  await setQuery(page, "query Viewer {\n  viewer { merchant { name } }\n}\n");
  await page.locator(".graphiql-execute-button").click();
  const merchant = env("MERCHANT_NAME");
  await waitForResponse(page, `the query did not show ${merchant}`, (name) => {
    const text = document.querySelector(".result-window .CodeMirror").CodeMirror.getValue();
    try {
      return JSON.parse(text).data.viewer.merchant.name === name;
    } catch {
      return false;
    }
  }, merchant);
}

function approvedIn() {
  // The pane shows the latest event; APPROVED is the last of the emulator's steps.
  return (id) => {
    const text = document.querySelector(".result-window .CodeMirror").CodeMirror.getValue();
    try {
      const change = JSON.parse(text).data.campaignStatusChanged;
      return change.campaign.id === id && change.campaign.status === "APPROVED";
    } catch {
      return false;
    }
  };
}

async function watch(page, label, campaignId, document, run) {
  await setQuery(page, document);
  await run();
  // The execute button turns into the stop button while the subscription is live.
  try {
    await page.locator(".graphiql-execute-button[aria-label^='Stop']").waitFor(WAIT);
  } catch {
    throw new Error(`the ${label} subscription did not start:\n${await response(page)}`);
  }
  say(`subscribed ${label}`);
  const description = `the ${label} subscription showed no approval`;
  await waitForResponse(page, description, approvedIn(), campaignId);
}

async function stop(page, label) {
  await page.locator(".graphiql-execute-button").click();
  await page.locator(".graphiql-execute-button[aria-label^='Execute']").waitFor(WAIT);
  say(`stopped ${label}`);
}

async function main(page) {
  await page.goto(url);
  await page.locator(".graphiql-query-editor .CodeMirror").waitFor(WAIT);
  const named = env("NAMED_CAMPAIGN");
  const anonymous = env("ANONYMOUS_CAMPAIGN");

  // Before any token is in the Headers tab, the server refuses the subscription.
  await setQuery(page, subscriptionOf(anonymous));
  await page.locator(".graphiql-execute-button").click();
  await waitForResponse(page, "a subscription without a token was not refused", () =>
    document.querySelector(".result-window .CodeMirror").CodeMirror.getValue().includes("UNAUTHENTICATED"),
  );
  await page.locator(".graphiql-execute-button[aria-label^='Execute']").waitFor(WAIT);
  say("refused without token");

  // The token goes into the Headers tab; queries carry it, and the next subscription's
  // connection_init too (the page opens a new WebSocket for the new headers).
  await page.getByRole("button", { name: "Headers" }).click();
  const headers = JSON.stringify({ Authorization: `Bearer ${env("TOKEN")}` });
  await setEditor(page, ".graphiql-editor-tool", headers);
  await runQuery(page);
  say("query ok");

  // Named, in a document with another operation: the execute button then offers a menu
  // of the document's operations, and GraphiQL passes the chosen one's name.
  const withName = `query Viewer { viewer { merchant { name } } }\n\n${subscriptionOf(named, "Watch")}`;
  await watch(page, "named", named, withName, async () => {
    await page.locator(".graphiql-execute-button[aria-haspopup]").click();
    await page.getByRole("menuitem", { name: "Watch" }).click();
  });
  await stop(page, "named");

  // Anonymous, run with the button; the screenshot shows its last event.
  await watch(page, "anonymous", anonymous, subscriptionOf(anonymous), () =>
    page.locator(".graphiql-execute-button").click(),
  );
  await page.screenshot({ path: env("SCREENSHOT") });
  await stop(page, "anonymous");
}

await runOffline(main);
