/*
 * Copyright 2026 The Backstage DingTalk On-call Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

// `npm start`: the DingTalk emulator, the backend and the frontend together.
const { startStack } = require('./stack');

startStack()
  .then(stack => {
    process.stdout.write(
      [
        '',
        'Ready:',
        '  Backstage              http://localhost:3000  (Enter = sign in as alice)',
        '  DingTalk page          http://localhost:3000/dingtalk',
        '  On-call page           http://localhost:3000/oncall',
        `  DingTalk simulator UI  ${stack.emulatorUrl}/`,
        '',
      ].join('\n'),
    );
    const stop = () => stack.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    for (const child of stack.children) {
      child.on('exit', code => {
        process.stderr.write(
          `${child.spawnargs.join(' ')} exited with ${code}\n`,
        );
        stack.stop().then(() => process.exit(code ?? 1));
      });
    }
  })
  .catch(error => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
