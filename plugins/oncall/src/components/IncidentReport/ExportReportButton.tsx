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
import { Button } from '@material-ui/core';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/core-plugin-api';

/**
 * Downloads the incident's post-incident report (Markdown, from
 * `GET /api/oncall/incidents/:id/report.md`) with the signed-in user's
 * credentials.
 */
export function ExportReportButton(props: {
  incidentId: string;
  onError?: (message: string) => void;
}) {
  const discovery = useApi(discoveryApiRef);
  const { fetch } = useApi(fetchApiRef);
  const download = async () => {
    const base = await discovery.getBaseUrl('oncall');
    const res = await fetch(
      `${base}/incidents/${encodeURIComponent(props.incidentId)}/report.md`,
    );
    if (!res.ok) {
      props.onError?.(`The report could not be exported (${res.status})`);
      return;
    }
    const url = URL.createObjectURL(
      new Blob([await res.text()], { type: 'text/markdown' }),
    );
    const a = document.createElement('a');
    a.href = url;
    a.download = `incident-${props.incidentId}.md`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Button variant="outlined" onClick={() => void download()}>
      Export report
    </Button>
  );
}
