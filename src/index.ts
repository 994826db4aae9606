/**
 * pagewise: the library. The only public entry; package.json exports nothing else.
 */
export { PagewiseError, REGISTRY as ERROR_REGISTRY, isPagewiseError, type ErrorCode } from './errors.js';
export { main } from './cli/main.js';
