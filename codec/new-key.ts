// `npm run codec-keys -- --new <id> >> keys`: prints a new keys-file line; appended last, it becomes the current key.
import { generateKeyLine } from './index';

const [flag, id] = process.argv.slice(2);
if (flag !== '--new' || !id) {
  console.error('usage: npm run codec-keys -- --new <key id>   (append the line to the OFFBOARD_CODEC_KEYS_FILE)');
  process.exit(2);
}
try {
  process.stdout.write(`${generateKeyLine(id)}\n`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
