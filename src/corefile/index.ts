export * from './corefile';
export * from './model';
export * from './options';
