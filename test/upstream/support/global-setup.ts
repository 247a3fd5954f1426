import { checkUpstreamPrerequisites } from './prerequisites';
import globalSetup from '../../support/global-setup';

/**
 * Before any upstream test file runs (`npm run test:upstream`): the machine's prerequisites,
 * checked once with one message naming everything missing, then what every run does (the pinned
 * upstream files fetched once).
 */
export default function upstreamGlobalSetup(): void {
  checkUpstreamPrerequisites();
  globalSetup();
}
