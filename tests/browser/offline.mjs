// Debian's Chromium, headless, through playwright-core, with every request to another
// host refused: the pages under test must work without internet. `runOffline(main)` runs
// `main(page, env)` and exits 0 only when it finished, nothing reached outside this
// machine and the page reported no error. DEBUG=1 prints the page's requests, console
// and WebSocket frames.
import { chromium } from "playwright-core";

export const WAIT = { timeout: 30_000 };

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

export function say(line) {
  process.stdout.write(`@${line}\n`);
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const isLocal = (address) => {
  const parsed = new URL(address);
  return ["data:", "blob:", "about:"].includes(parsed.protocol) || LOCAL_HOSTS.has(parsed.hostname);
};

function debug(page) {
  page.on("console", (m) => console.log("console:", m.type(), m.text()));
  page.on("websocket", (ws) => {
    console.log("ws open", ws.url());
    ws.on("framesent", (f) => console.log("ws >", f.payload));
    ws.on("framereceived", (f) => console.log("ws <", f.payload));
    ws.on("close", () => console.log("ws closed"));
  });
  page.on("request", (r) => console.log("request", r.method(), r.url(), r.postData()));
}

export async function runOffline(main, { viewport = { width: 1400, height: 900 } } = {}) {
  const outside = [];
  const pageErrors = [];
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  let failed = false;
  try {
    const context = await browser.newContext({ viewport });
    await context.route("**/*", (route) => {
      const address = route.request().url();
      if (isLocal(address)) return route.continue();
      outside.push(address);
      return route.abort();
    });
    await context.routeWebSocket((address) => !isLocal(address.href), (socket) => {
      outside.push(socket.url());
      socket.close();
    });
    const page = await context.newPage();
    if (process.env.DEBUG) debug(page);
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    await main(page);
  } catch (error) {
    failed = true;
    console.error(error instanceof Error ? error.message : error);
  } finally {
    await browser.close();
  }
  if (outside.length) console.error(`the page reached outside this machine: ${outside.join(", ")}`);
  if (pageErrors.length) console.error(`the page reported errors:\n${pageErrors.join("\n")}`);
  process.exit(failed || outside.length || pageErrors.length ? 1 : 0);
}
