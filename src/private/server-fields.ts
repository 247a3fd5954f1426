/** Metadata the API server writes; an exported object carries them, an applied one must not. */
const SERVER_POPULATED_METADATA = [
  'uid', 'resourceVersion', 'managedFields', 'generation', 'creationTimestamp', 'selfLink',
  'deletionTimestamp', 'deletionGracePeriodSeconds',
];
const SERVER_POPULATED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

/** A deep copy of an exported object without status and server-populated metadata. */
export function stripServerFields(source: any): any {
  const copy = JSON.parse(JSON.stringify(source ?? {}));
  delete copy.status;
  if (copy.metadata) {
    for (const field of SERVER_POPULATED_METADATA) delete copy.metadata[field];
    if (copy.metadata.annotations) {
      for (const a of SERVER_POPULATED_ANNOTATIONS) delete copy.metadata.annotations[a];
      if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
    }
  }
  return copy;
}
