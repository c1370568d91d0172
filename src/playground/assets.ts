// The playground's files: the only paths the plugin serves (a fixed allow-list, so no
// request path ever reaches the file system) and the static files the build copies.
// test/playground/assets.test.ts checks this list against src/playground/client.

/** Browser modules, compiled from src/playground/client/<name>.ts. */
export const CLIENT_MODULES = [
  'chat-api',
  'entropy-scale',
  'main',
  'mix-format',
  'output-options',
  'request-body',
  'run-stats',
  'run-view',
  'settings-form',
  'sse-reader',
  'token-spans',
  'token-split',
  'token-tooltip',
  'tool-calls',
  'wire-types',
] as const;

/** Hand-written files in src/playground/static, copied as they are. */
export const STATIC_FILES = ['index.html', 'playground.css'] as const;

export interface PlaygroundAsset {
  /** The URL path it is served at. */
  url: string;
  /** Its path under the built playground folder (dist/playground). */
  file: string;
  contentType: string;
}

export const PLAYGROUND_PAGE = '/playground';

export const PLAYGROUND_ASSETS: readonly PlaygroundAsset[] = [
  { url: PLAYGROUND_PAGE, file: 'static/index.html', contentType: 'text/html; charset=utf-8' },
  { url: '/playground/playground.css', file: 'static/playground.css', contentType: 'text/css; charset=utf-8' },
  ...CLIENT_MODULES.map((m) => ({
    url: `/playground/client/${m}.js`,
    file: `client/${m}.js`,
    contentType: 'text/javascript; charset=utf-8',
  })),
];
