// Signs in to the Airflow 2 UI (Flask AppBuilder's form at /login/) as a browser would, and
// returns the session cookie, for the local endpoint's web login.

import { OpsError } from "../backend";

export async function fabSignIn(uiUrl: string, user: string, password: string): Promise<string[]> {
  const form = await fetch(`${uiUrl}/login/`, { redirect: "manual" });
  const html = await form.text();
  const csrf = /name="csrf_token"[^>]*value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new OpsError("service", `no sign-in form at ${uiUrl}/login/`);
  const cookie = form.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const answer = await fetch(`${uiUrl}/login/`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf_token: csrf, username: user, password }),
  });
  const session = answer.headers.getSetCookie();
  if (answer.status !== 302 || !session.length) {
    throw new OpsError(
      "service",
      `the Airflow UI refused the sign-in of ${user} (HTTP ${answer.status})`,
    );
  }
  return session;
}
