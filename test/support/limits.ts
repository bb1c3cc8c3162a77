/**
 * The request budgets tests run with unless they ask for the defaults. The suites create hundreds
 * of accounts and send thousands of requests from 127.0.0.1, far beyond budgets sized for one
 * real client; so `startTestService` and `startServer` pass these huge quotas. The limiter stays
 * mounted (budgets are still classified and RateLimit headers still sent); only the quotas are
 * out of reach. Limit tests opt back into the defaults (`defaultLimits: true`).
 */
export const GENEROUS_LIMITS: Readonly<Record<string, string>> = Object.fromEntries(
  ['SIGNUP', 'TSA', 'VERIFY', 'UPLOAD', 'CAPTURE', 'WRITE', 'READ'].flatMap((b) => [
    [`RATE_${b}_PER_IP`, '1000000000/1s'],
    [`RATE_${b}_PER_KEY`, '1000000000/1s'],
  ]),
);
