/** The enforcement routers (matches, monitoring, cases), mounted by app.ts with one line. */
import express from 'express';
import { matchRoutes, type MatchHttpDeps } from './matches.js';
import { monitorRoutes, type MonitorHttpDeps } from './monitor.js';
import { caseRoutes, type CaseHttpDeps } from './cases.js';

export interface EnforcementHttpDeps {
  matches: Omit<MatchHttpDeps, 'accounts'>;
  monitor: Omit<MonitorHttpDeps, 'accounts'>;
  cases?: Omit<CaseHttpDeps, 'accounts'>;
}

export function enforcementRoutes(deps: EnforcementHttpDeps & { accounts: MatchHttpDeps['accounts'] }): express.Router {
  const r = express.Router();
  r.use(matchRoutes({ ...deps.matches, accounts: deps.accounts }));
  r.use(monitorRoutes({ ...deps.monitor, accounts: deps.accounts }));
  if (deps.cases) r.use(caseRoutes({ ...deps.cases, accounts: deps.accounts }));
  return r;
}
