// One send's progress, live from the campaignSendProgress subscription (graphql-ws,
// vendored). The merchant's token comes from the URL's fragment (#token=…), which the
// browser never sends to a server, and is then taken out of the address bar; without one
// the page asks for it. Nothing is loaded from anywhere but this server.
(function () {
  "use strict";

  const SUBSCRIPTION = `subscription SendPage($sendId: ID!) {
    campaignSendProgress(sendId: $sendId) {
      id status pausedReason total queued sent delivered read failed limited skipped
      startedAt finishedAt campaign { name }
    }
  }`;
  const COUNTERS = [
    "total", "queued", "sent", "delivered", "read", "failed", "limited", "skipped",
  ];
  const RATE_WINDOW_MS = 10_000; // the rate is over the last ten seconds of updates
  const sendId = decodeURIComponent(window.location.pathname.split("/").pop() || "");
  const socketUrl = window.location.origin.replace(/^http/, "ws") + "/graphql";
  const $ = (id) => document.getElementById(id);
  let client = null;
  let samples = []; // [time, messages done] of recent updates

  function tokenFromFragment() {
    const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
    if (token) {
      // Out of the address bar, the history and any screenshot of the page.
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    return token;
  }

  function askForToken(message) {
    $("progress").hidden = true;
    $("ask").hidden = false;
    $("ask-message").textContent = message;
    $("token").focus();
  }

  function done(send) {
    return send.total - send.queued;
  }

  function rate(send) {
    const now = Date.now();
    samples.push([now, done(send)]);
    samples = samples.filter(([time]) => now - time <= RATE_WINDOW_MS);
    const [firstTime, firstDone] = samples[0];
    const seconds = (now - firstTime) / 1000;
    return seconds > 0 ? (done(send) - firstDone) / seconds : 0;
  }

  function render(send) {
    $("ask").hidden = true;
    $("progress").hidden = false;
    $("campaign").textContent = send.campaign ? send.campaign.name : "";
    const status = $("status");
    status.textContent = send.status;
    status.className = `status ${send.status}`;
    $("reason").textContent = send.pausedReason || "";
    for (const name of COUNTERS) $(name).textContent = send[name].toLocaleString("en");
    const total = Math.max(send.total, 1);
    const parts = {
      read: send.read,
      delivered: send.delivered - send.read,
      sent: send.sent - send.delivered,
      failed: send.failed,
      limited: send.limited,
      skipped: send.skipped,
    };
    for (const [name, count] of Object.entries(parts)) {
      $(`bar-${name}`).style.width = `${(100 * Math.max(count, 0)) / total}%`;
    }
    const percent = Math.floor((100 * done(send)) / total);
    $("bar").setAttribute("aria-valuenow", String(percent));
    $("done").textContent = `${percent}% done`;
    const perSecond = rate(send);
    $("rate").textContent = send.queued > 0 ? `${perSecond.toFixed(1)} messages/s` : "";
  }

  function showErrors(errors) {
    const codes = errors.map((error) => (error.extensions || {}).code);
    if (codes.includes("UNAUTHENTICATED")) {
      askForToken("That token was not accepted. Paste a valid API token.");
    } else {
      $("error").textContent = errors.map((error) => error.message).join("; ");
    }
  }

  function subscribe(token) {
    if (client) client.dispose();
    samples = [];
    let seen = false;
    client = graphqlWs.createClient({
      url: socketUrl,
      connectionParams: { Authorization: `Bearer ${token}` },
      retryAttempts: 1000, // a restarting server or a dropped network: keep trying
      shouldRetry: () => true,
    });
    client.subscribe(
      { query: SUBSCRIPTION, variables: { sendId } },
      {
        next(result) {
          if (result.errors) {
            showErrors(result.errors);
          } else if (result.data && result.data.campaignSendProgress) {
            seen = true;
            $("error").textContent = "";
            render(result.data.campaignSendProgress);
          }
        },
        error(error) {
          // GraphQL errors before the subscription starts (an "error" message) come as
          // a list; a closed socket as a CloseEvent.
          if (Array.isArray(error)) return showErrors(error);
          const reason = error && error.reason ? `: ${error.reason}` : "";
          $("error").textContent = `The connection failed${reason}.`;
        },
        complete() {
          if (!seen) askForToken("No send with this id for that token.");
        },
      },
    );
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("send-id").textContent = sendId;
    $("ask").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      if (token) subscribe(token);
    });
    const token = tokenFromFragment();
    if (token) subscribe(token);
    else askForToken("Paste the merchant's API token to follow this send.");
  });
})();
