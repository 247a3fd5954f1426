import { BoundedCache } from './bounded-cache';
import { Corefile, CorefileEdit } from '../corefile';
import { TunnelHostsOptions } from '../tunnel-hosts-options';

/** Recent tunnel-hosts edits, by Corefile text and options. */
const EDITS = new BoundedCache<CorefileEdit>(32);

/**
 * `Corefile.parse(text).addTunnelHosts(options)`, computed once for the clusters of an app that
 * share a Corefile and options (the edit is a pure function of both). A malformed or refused
 * Corefile throws every time; the arrays of the result are the caller's own copies.
 */
export function tunnelHostsEdit(text: string, options: TunnelHostsOptions): CorefileEdit {
  const shared = EDITS.get(JSON.stringify([text, options]), () => Corefile.parse(text).addTunnelHosts(options));
  return { ...shared, editedBlocks: [...shared.editedBlocks], warnings: [...shared.warnings] };
}
