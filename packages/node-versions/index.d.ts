/** Absolute path of the `node` executable of each pinned major version (linux-x64 only). */
export declare const nodeBinaries: { readonly 22: string; readonly 24: string };
