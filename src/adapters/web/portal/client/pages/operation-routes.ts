/** The operation pages' routes, joined so the portal's entry lists them with one import. */
import type { Route } from '../router.js';
import { routes as check } from './licence-check.js';
import { routes as licences } from './licences.js';
import { routes as pledges } from './pledges.js';
import { routes as transfers } from './transfers.js';

export const routes: Route[] = [...licences, ...check, ...transfers, ...pledges];
