import { App } from 'cdk8s';
import { buildExamplePlatform } from './platform';

const app = new App({ outdir: 'dist' });
buildExamplePlatform(app);
app.synth();
