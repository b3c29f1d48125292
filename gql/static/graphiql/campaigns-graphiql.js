// GraphiQL for the campaigns API, on the vendored builds next to this file (no CDN).
//
// Queries and mutations go over HTTP with the Headers tab's headers. Subscriptions
// (named or anonymous) go over graphql-transport-ws, and the Headers tab's headers
// are the `connection_init` payload, which is where the server reads
// {"Authorization": "Bearer …"} for a WebSocket.
(function () {
  "use strict";

  const endpoint = window.location.origin + window.location.pathname;
  const socketUrl = endpoint.replace(/^http/, "ws");

  const DEFAULT_QUERY = `# Campaigns API
#
# 1. Open the Headers tab (below) and paste your token:
#      {"Authorization": "Bearer cmp_…"}
#    \`campaigns serve\` prints the demo merchant's line.
# 2. Run with Ctrl-Enter or the ▶ button.
#
# Subscriptions run over a WebSocket, which gets the
# Headers tab as its connection_init payload. Try:
#
#   subscription {
#     campaignStatusChanged {
#       previousStatus
#       campaign { id name status }
#     }
#   }
#
# then submitCampaign from another browser tab.

query Viewer {
  viewer { merchant { id name commerce } }
}
`;

  // Queries, mutations and the schema's introspection: graphiql's own HTTP fetcher.
  // Incremental delivery is off: the server has no @defer/@stream, and this keeps
  // the plain `Accept`-less JSON POST that every GraphQL-over-HTTP server answers.
  const httpFetcher = GraphiQL.createFetcher({ url: endpoint, enableIncrementalDelivery: false });

  // The operation that will run: the one named by operationName, else the only one.
  function selectedOperation(documentAST, operationName) {
    const operations = documentAST.definitions.filter(
      (definition) => definition.kind === "OperationDefinition",
    );
    if (operationName) {
      return operations.find((op) => op.name && op.name.value === operationName) || null;
    }
    return operations.length === 1 ? operations[0] : null;
  }

  function isSubscription(params, options) {
    let documentAST = options && options.documentAST;
    if (!documentAST) {
      try {
        documentAST = GraphiQL.GraphQL.parse(params.query);
      } catch (error) {
        return false; // the server will report the syntax error over HTTP
      }
    }
    const operation = selectedOperation(documentAST, params.operationName);
    return operation !== null && operation.operation === "subscription";
  }

  // One WebSocket client per set of headers: connection_init is sent once per
  // connection, so new headers (another token) need a new connection.
  let socket = null;
  let socketHeaders = null;

  function socketClient(headers) {
    const key = JSON.stringify(headers || {});
    if (socket === null || key !== socketHeaders) {
      if (socket !== null) socket.dispose();
      socket = graphqlWs.createClient({ url: socketUrl, connectionParams: headers || {} });
      socketHeaders = key;
    }
    return socket;
  }

  // A CloseEvent says nothing when printed as JSON; say why the socket closed instead.
  function readable(error) {
    if (error && typeof error === "object" && "code" in error && "reason" in error) {
      const reason = error.reason ? `: ${error.reason}` : "";
      return new Error(`The WebSocket closed (code ${error.code}${reason})`);
    }
    return error;
  }

  function subscribe(params, headers) {
    const events = socketClient(headers).iterate({
      query: params.query,
      variables: params.variables || undefined,
      operationName: params.operationName || undefined,
    });
    // GraphiQL's stop button calls return(), which must reach graphql-ws at once
    // (sending `complete`), even while no event is pending; a wrapping async
    // generator would only see it after the next event.
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () =>
        events.next().catch((error) => {
          throw readable(error);
        }),
      return: () => events.return(),
    };
  }

  function fetcher(params, options) {
    if (isSubscription(params, options)) {
      return subscribe(params, options && options.headers);
    }
    return httpFetcher(params, options);
  }

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    }),
  );
})();
