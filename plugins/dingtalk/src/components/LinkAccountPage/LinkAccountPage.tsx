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

import { useEffect, useState } from 'react';
import { Avatar, Box, Button, Typography } from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import { dingtalkApiRef, type LinkPreview } from '../../api/DingtalkApi';

/** The ticket from the link the DingTalk H5 page opened: in the fragment (older links: the query). */
function ticketOfLocation(): string {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  return (
    fragment.get('ticket') ??
    new URLSearchParams(window.location.search).get('ticket') ??
    ''
  );
}

/**
 * Where the DingTalk H5 page sends a person to link their account, signed in
 * to Backstage. It shows who would be bound to whom before anything happens:
 * the DingTalk name, avatar and organisation, the Backstage identity, and
 * what looks wrong (a catalog mobile or email that is not DingTalk's, an
 * account that is linked already).
 * @public
 */
export function LinkAccountPage() {
  const api = useApi(dingtalkApiRef);
  const [ticket] = useState(ticketOfLocation);
  const [preview, setPreview] = useState<LinkPreview>();
  const [result, setResult] = useState<{ ok: boolean; message: string }>();

  useEffect(() => {
    if (!ticket) return;
    api
      .previewLink(ticket)
      .then(setPreview, e =>
        setResult({ ok: false, message: (e as Error).message }),
      );
  }, [api, ticket]);

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
      {!ticket && (
        <Typography color="error">
          This link is incomplete: open the app from DingTalk again.
        </Typography>
      )}
      {preview && (
        <Box my={2}>
          <Box display="flex" alignItems="center" mb={1}>
            {preview.dingtalk.avatarUrl && (
              <Avatar
                src={preview.dingtalk.avatarUrl}
                alt=""
                style={{ marginRight: 12 }}
              />
            )}
            <Typography variant="body1">
              {`DingTalk account: ${
                preview.dingtalk.name ?? preview.dingtalk.userId
              }, of ${preview.integration.name} (corp ${
                preview.integration.corpId
              })`}
            </Typography>
          </Box>
          <Typography variant="body1">
            {`Will be linked to your Backstage identity: ${
              preview.backstage.displayName
                ? `${preview.backstage.displayName} (${preview.backstage.userEntityRef})`
                : preview.backstage.userEntityRef
            }`}
          </Typography>
          <Typography variant="body2">
            Only link an account that is yours. If someone sent you this link,
            do not continue.
          </Typography>
          {preview.warnings.map(w => (
            <Typography key={w} color="error" role="alert">
              {`Check before linking: ${w}.`}
            </Typography>
          ))}
          {preview.conflict && (
            <Typography color="error" role="alert">
              {preview.conflict}
            </Typography>
          )}
        </Box>
      )}
      <Button
        variant="contained"
        color="primary"
        disabled={!preview || !!preview.conflict || result?.ok}
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
