import t from 'tap';
import { SelarError } from '../src/errors.js';
t.test('x', async (t) => { t.equal(new SelarError('overloaded','x').status, 429); });
