// `dagspec run --fail <task>`: an AWS endpoint that refuses every call. The runner's cluster
// policy points that one task's AWS connection here, so its operator meets a real AWS error
// (AccessDenied, as for a missing IAM permission) and Airflow's retry and failure handling
// runs as it would on MWAA. Everything else keeps talking to moto.

import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FailingEndpoint {
  endpoint: string;
  /** How many calls it refused. */
  refused(): number;
  close(): Promise<void>;
}

export function startFailingEndpoint(task: string): Promise<FailingEndpoint> {
  let refused = 0;
  const message = `refused by dagspec run --fail ${task} (an injected failure, not moto)`;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      refused++;
      const json =
        req.headers["x-amz-target"] !== undefined ||
        /json/.test(String(req.headers["content-type"] ?? ""));
      // Every AWS protocol reads its error code from one of these.
      res.setHeader("x-amzn-ErrorType", "AccessDeniedException");
      res.setHeader("x-amzn-RequestId", "dagspec-fail");
      if (json) {
        res.writeHead(403, { "Content-Type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: "AccessDeniedException", message, Message: message }));
      } else {
        res.writeHead(403, { "Content-Type": "text/xml" });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type>` +
            `<Code>AccessDenied</Code><Message>${message}</Message></Error>` +
            `<RequestId>dagspec-fail</RequestId></ErrorResponse>`,
        );
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        refused: () => refused,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
