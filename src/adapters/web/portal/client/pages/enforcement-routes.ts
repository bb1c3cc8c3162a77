/** The enforcement pages' routes (find copies, cases), joined so the portal's entry lists them with one import. */
import type { Route } from '../router.js';
import { routes as cases } from './cases.js';
import { routes as matches } from './matches.js';

export const routes: Route[] = [...matches, ...cases];
