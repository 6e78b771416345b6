// The workerd npm package ships no types: its main module's default export is the path of the
// binary for this platform, beside its version and the newest compatibility date it supports.
declare module 'workerd' {
  const binary: string;
  export default binary;
  export const version: string;
  export const compatibilityDate: string;
}
