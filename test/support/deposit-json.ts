/** A deposit as the API answers it (the fields e2e tests read), and a JSON reader that fails on a non-2xx answer. */
export interface DepositJson {
  id: string;
  index: number;
  sha256: string;
  block: number;
}

/** The body of a 2xx answer as JSON; otherwise throws with the status and body. */
export async function okJson<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text}`);
  return JSON.parse(text) as T;
}
