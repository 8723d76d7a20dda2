// Where the runner reads what the pipelines publish to SNS: an HTTP endpoint on 127.0.0.1
// subscribed to every topic at provisioning. moto delivers each published message to it as
// SNS delivers to an HTTP subscriber, so the runner can show notifications as they happen and
// list them in the summary.

import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Notification {
  topicArn: string;
  subject: string | null;
  message: string;
  /** Epoch seconds when it arrived. */
  time: number;
}

export interface Inbox {
  endpoint: string;
  messages: Notification[];
  onMessage(fn: (n: Notification) => void): void;
  close(): Promise<void>;
}

export function startInbox(): Promise<Inbox> {
  const messages: Notification[] = [];
  const listeners: ((n: Notification) => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          Type?: string;
          TopicArn?: string;
          Subject?: string | null;
          Message?: string;
        };
        if (body.Type === "Notification") {
          const n: Notification = {
            topicArn: body.TopicArn ?? "",
            subject: body.Subject ?? null,
            message: body.Message ?? "",
            time: Date.now() / 1000,
          };
          messages.push(n);
          for (const fn of listeners) fn(n);
        }
      } catch {
        // not an SNS delivery; ignore
      }
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        endpoint: `http://127.0.0.1:${port}/sns`,
        messages,
        onMessage: (fn) => listeners.push(fn),
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
