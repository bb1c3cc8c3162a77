/** Routes of this part of the portal (drawn by main.ts). */
import type { Route } from '../router.js';

export const routes: Route[] = [];
