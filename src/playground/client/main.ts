// Wires the page: legend, model list, the form, and one or two concurrent streamed
// runs (side by side when comparing). The API key is read from its input at each
// request and never stored (no cookies, no localStorage).
import { ApiError, listModels, streamChat } from './chat-api.js';
import { legendGradient } from './entropy-scale.js';
import { chatRequestBody, describeSelar } from './request-body.js';
import { RunView } from './run-view.js';
import { byId, mountSelarFieldset, readSelar, readShared, syncOutputFields, type Side } from './settings-form.js';
import { installTokenTooltip } from './token-tooltip.js';

const doc = document;
const form = byId<HTMLFormElement>(doc, 'run-form');
const keyInput = byId<HTMLInputElement>(doc, 'api-key');
const modelSelect = byId<HTMLSelectElement>(doc, 'model');
const connStatus = byId(doc, 'conn-status');
const runButton = byId<HTMLButtonElement>(doc, 'run');
const stopButton = byId<HTMLButtonElement>(doc, 'stop');
const compare = byId<HTMLInputElement>(doc, 'compare');
const runsBox = byId(doc, 'runs');
let running: AbortController | null = null;

byId(doc, 'legend-bar').style.backgroundImage = legendGradient();
mountSelarFieldset(doc, 'a', { mode: 'selar' });
mountSelarFieldset(doc, 'b', { mode: 'off' });
installTokenTooltip(doc, byId(doc, 'token-tip'));
syncOutputFields(doc);

const syncCompare = () => {
  byId(doc, 'side-b').hidden = !compare.checked;
};
compare.addEventListener('change', syncCompare);
syncCompare();
const syncLogprobs = () => {
  byId<HTMLInputElement>(doc, 'top-logprobs').disabled = !byId<HTMLInputElement>(doc, 'logprobs').checked;
};
byId(doc, 'logprobs').addEventListener('change', syncLogprobs);
syncLogprobs();

async function loadModels(): Promise<void> {
  connStatus.textContent = 'Loading models…';
  try {
    const list = await listModels(keyInput.value.trim());
    const previous = modelSelect.value;
    modelSelect.replaceChildren(...list.data.map((m) => new Option(m.id, m.id)));
    if (list.data.some((m) => m.id === previous)) modelSelect.value = previous;
    connStatus.textContent =
      list.data.length > 0
        ? `${list.data.length} model${list.data.length > 1 ? 's' : ''} served`
        : 'The server serves no model';
    runButton.disabled = running !== null || list.data.length === 0;
  } catch (err) {
    modelSelect.replaceChildren();
    runButton.disabled = true;
    connStatus.textContent =
      err instanceof ApiError && err.status === 401
        ? 'This server needs an API key: type it above.'
        : `Could not list models: ${err instanceof Error ? err.message : String(err)}`;
  }
}
keyInput.addEventListener('change', () => void loadModels());

function paneFor(side: Side): RunView {
  const template = byId<HTMLTemplateElement>(doc, 'run-template');
  const root = (template.content.firstElementChild as HTMLElement).cloneNode(true) as HTMLElement;
  root.dataset.side = side;
  root.querySelector('.run-title')!.textContent = `Run ${side.toUpperCase()}`;
  root.setAttribute('aria-label', `Run ${side.toUpperCase()}`);
  return new RunView(root);
}

async function runOne(view: RunView, side: Side, signal: AbortSignal): Promise<void> {
  const shared = readShared(doc);
  const selar = readSelar(doc, side);
  view.begin(describeSelar(selar), performance.now());
  let error: unknown = null;
  try {
    for await (const chunk of streamChat(chatRequestBody(shared, selar), keyInput.value.trim(), signal))
      view.apply(chunk, performance.now());
  } catch (err) {
    error = signal.aborted ? new Error('Stopped.') : err;
  }
  view.end(performance.now(), error);
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (running !== null || !form.reportValidity()) return;
  const sides: Side[] = compare.checked ? ['a', 'b'] : ['a'];
  const views = sides.map(paneFor);
  runsBox.replaceChildren(...views.map((v) => v.root));
  runsBox.classList.toggle('compare', sides.length > 1);
  const controller = new AbortController();
  running = controller;
  runButton.disabled = true;
  stopButton.disabled = false;
  doc.body.dataset.state = 'running';
  // Both sides stream at once; each pane keeps its own rate and counts.
  void Promise.all(sides.map((side, i) => runOne(views[i], side, controller.signal))).finally(() => {
    running = null;
    runButton.disabled = modelSelect.options.length === 0;
    stopButton.disabled = true;
    doc.body.dataset.state = 'idle';
  });
});
stopButton.addEventListener('click', () => running?.abort());
byId(doc, 'prompt').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    form.requestSubmit();
  }
});

void loadModels();
