/** OpenAPI operations of every enforcement router. */
import type { Operation } from '../openapi-kit.js';
import { matchOperations } from './matches-openapi.js';
import { monitorOperations } from './monitor-openapi.js';
import { caseOperations } from './cases-openapi.js';

export function enforcementOperations(): Operation[] {
  return [...matchOperations(), ...monitorOperations(), ...caseOperations()];
}
