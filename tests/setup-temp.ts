import { afterAll } from 'vitest';
import { removeFileTemp, tempPerFile } from './helpers/temp.ts';

// Every test file makes its temporary folders in one of its own, removed after its last hook (hooks
// after the tests run last registered first: this one, registered before the file's, runs after them).
const dir = tempPerFile();
afterAll(() => removeFileTemp(dir));
