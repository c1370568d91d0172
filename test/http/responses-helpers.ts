// Shared by the /v1/responses route tests: a reasoning model's script and the request helper.
import type { FastifyInstance } from 'fastify';
import type { ScriptToken } from '../support/fake-engine.js';
import { ID } from '../support/tiny-tokenizer.js';
import { post } from './helpers.js';

export const THINKING: ScriptToken[] = [
  { id: ID['<think>'], text: '', reasoning: true, entropy: 0.9, soft: true },
  { id: ID.Hi, text: 'Hi', reasoning: true, entropy: 0.8, soft: true },
  { id: ID['</think>'], text: '', reasoning: true, entropy: 0.1 },
  { id: ID.ok, text: 'ok', entropy: 0.2 },
  { id: ID[' Paris'], text: ' Paris', entropy: 0.05 },
];
export const thinkModel = { thinkTokenIds: { open: ID['<think>'], close: ID['</think>'] } };

export const respond = (app: FastifyInstance, body: Record<string, unknown>) =>
  post(app, '/v1/responses', { model: 'tiny', input: 'Hi', ...body });
