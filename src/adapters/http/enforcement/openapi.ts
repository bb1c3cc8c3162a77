/** OpenAPI operations of every enforcement router. */
import type { Operation } from '../openapi-kit.js';
import { matchOperations } from './matches-openapi.js';

export function enforcementOperations(): Operation[] {
  return [...matchOperations()];
}
