import { App } from 'cdk8s';
import { buildExamplePlatform } from '../src/example/platform';

describe('the example platform stack', () => {
  test('synthesizes the reviewed manifests', () => {
    const app = new App({ outdir: '/nonexistent' });
    buildExamplePlatform(app);
    expect(app.synthYaml()).toMatchSnapshot();
  });
});
