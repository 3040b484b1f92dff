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

import { useState } from 'react';
import { Button, Typography } from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import { dingtalkApiRef } from '../../api/DingtalkApi';

/** Where the DingTalk H5 page sends a person to link their account, signed in to Backstage. @public */
export function LinkAccountPage() {
  const api = useApi(dingtalkApiRef);
  const params = new URLSearchParams(window.location.search);
  const ticket = params.get('ticket') ?? '';
  const [result, setResult] = useState<{ ok: boolean; message: string }>();
  const confirm = async () => {
    try {
      const link = await api.confirmLink(ticket);
      setResult({
        ok: true,
        message: `Linked: DingTalk user ${
          link.name ?? link.dingtalkUserId
        } is now ${link.userEntityRef}. Go back to DingTalk.`,
      });
    } catch (e) {
      setResult({ ok: false, message: (e as Error).message });
    }
  };
  return (
    <div data-testid="link-account-page">
      <Typography variant="h5">Link your DingTalk account</Typography>
      <Typography variant="body1">{`Integration: ${
        params.get('integration') ?? ''
      }`}</Typography>
      {!ticket && (
        <Typography color="error">
          This link is incomplete: open the app from DingTalk again.
        </Typography>
      )}
      <Button
        variant="contained"
        color="primary"
        disabled={!ticket || result?.ok}
        onClick={confirm}
      >
        Link my account
      </Button>
      {result && (
        <Typography color={result.ok ? 'primary' : 'error'} role="status">
          {result.message}
        </Typography>
      )}
    </div>
  );
}
