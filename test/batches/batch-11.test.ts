import { runBatch } from '../helpers/batches';

runBatch(__filename);
