import { fetchAllUpstreamFiles } from './upstream';

/**
 * Before any test file runs: fetch the pinned upstream files (CRDs) once, so that parallel workers
 * find them in the cache instead of all downloading the same module zips.
 */
export default function globalSetup(): void {
  fetchAllUpstreamFiles();
}
