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

import { ReactNode, useCallback, useEffect, useState } from 'react';
import {
  Button,
  Card,
  CardContent,
  Grid,
  List,
  ListItem,
  ListItemText,
  Tab,
  Tabs,
  Typography,
} from '@material-ui/core';
import { Content, Header, Page, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { Route, Routes, useSearchParams } from 'react-router-dom';
import type { DingtalkIntegration } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { dingtalkApiRef } from '../../api/DingtalkApi';
import { IntegrationForm } from '../IntegrationForm';
import { DingtalkGroupChatPicker, PickedGroupChat } from '../GroupChatPicker';
import { RecordsView } from '../RecordsView';
import { UsageView } from '../UsageView';
import { AccountLinkCard, LinkedUsers } from '../LinkedUsers';
import { LinkAccountPage } from '../LinkAccountPage';

const TABS = ['Setup', 'Group chats', 'Records', 'Usage', 'Linked users'];

/**
 * Links into the page (e.g. an incident's operation records from the
 * on-call plugin): `?integration=<id>&tab=records&reference=<incident id>`.
 */
const TAB_PARAMS: Record<string, number> = { records: 2, usage: 3 };

function Integrations() {
  const api = useApi(dingtalkApiRef);
  const [params] = useSearchParams();
  const [integrations, setIntegrations] = useState<DingtalkIntegration[]>();
  const [selected, setSelected] = useState<string | 'new' | undefined>(
    params.get('integration') ?? undefined,
  );
  const [tab, setTab] = useState(TAB_PARAMS[params.get('tab') ?? ''] ?? 0);
  const reference = params.get('reference') ?? undefined;
  const [error, setError] = useState<string>();
  const [picked, setPicked] = useState<PickedGroupChat[]>([]);
  /** The integration just created on this page, whose form opens saying so. */
  const [created, setCreated] = useState<string>();
  const load = useCallback(
    () =>
      api.listIntegrations().then(
        list => {
          setIntegrations(list);
          // An integration named in the link that is not there: the first.
          setSelected(s =>
            s === 'new' || list.some(i => i.id === s)
              ? s
              : list[0]?.id ?? 'new',
          );
        },
        e => setError(e.message),
      ),
    [api],
  );
  useEffect(() => {
    load();
  }, [load]);
  if (error) return <Typography color="error">{error}</Typography>;
  if (!integrations) return <Progress />;
  const current = integrations.find(i => i.id === selected);
  return (
    <Grid container spacing={2}>
      <Grid item xs={12} md={3}>
        <Card>
          <CardContent>
            <Typography variant="h6">Integrations</Typography>
            <List dense>
              {integrations.map(i => (
                <ListItem
                  key={i.id}
                  button
                  selected={i.id === selected}
                  onClick={() => {
                    setSelected(i.id);
                    setTab(0);
                    setCreated(undefined);
                  }}
                >
                  <ListItemText
                    primary={i.name}
                    secondary={`${i.edition}${
                      i.source === 'config' ? ' · app-config' : ''
                    }`}
                  />
                </ListItem>
              ))}
            </List>
            <Button
              variant="outlined"
              color="primary"
              onClick={() => setSelected('new')}
            >
              Add integration
            </Button>
          </CardContent>
        </Card>
        <Card style={{ marginTop: 16 }}>
          <CardContent>
            <AccountLinkCard />
          </CardContent>
        </Card>
      </Grid>
      <Grid item xs={12} md={9}>
        <Card>
          <CardContent>
            {selected === 'new' || !current ? (
              <>
                <Typography variant="h5">New DingTalk integration</Typography>
                <Typography variant="body2" paragraph>
                  Create an enterprise-internal app in the DingTalk developer
                  console, then copy its values here in this order.
                </Typography>
                <IntegrationForm
                  onSaved={i => {
                    // Once the list has it, this form gives way to the
                    // integration's own: that one says it was saved.
                    setCreated(i.id);
                    load();
                    setSelected(i.id);
                  }}
                />
              </>
            ) : (
              <>
                <Typography variant="h5">{current.name}</Typography>
                <Tabs
                  value={tab}
                  onChange={(_, v) => setTab(v)}
                  indicatorColor="primary"
                >
                  {TABS.map(t => (
                    <Tab key={t} label={t} />
                  ))}
                </Tabs>
                <div style={{ paddingTop: 16 }}>
                  {tab === 0 && (
                    <IntegrationForm
                      key={current.id}
                      integration={current}
                      notice={created === current.id ? 'Saved' : undefined}
                      onSaved={() => load()}
                    />
                  )}
                  {tab === 1 && (
                    <DingtalkGroupChatPicker
                      integrationId={current.id}
                      value={picked}
                      onChange={setPicked}
                      label="Group chats with the Cool App installed"
                    />
                  )}
                  {tab === 2 && (
                    <RecordsView
                      key={current.id}
                      integrationId={current.id}
                      reference={reference}
                    />
                  )}
                  {tab === 3 && <UsageView integrationId={current.id} />}
                  {tab === 4 && <LinkedUsers integrationId={current.id} />}
                </div>
              </>
            )}
          </CardContent>
        </Card>
      </Grid>
    </Grid>
  );
}

/** The DingTalk page: integrations and everything about them. @public */
export function DingtalkPage(props: { legacyHeader?: boolean }) {
  const content: ReactNode = (
    <Routes>
      <Route path="/link" element={<LinkAccountPage />} />
      <Route path="/*" element={<Integrations />} />
    </Routes>
  );
  if (!props.legacyHeader) return <Content>{content}</Content>;
  return (
    <Page themeId="tool">
      <Header
        title="DingTalk"
        subtitle="Receive and answer alerts in DingTalk"
      />
      <Content>{content}</Content>
    </Page>
  );
}

/** The page for the legacy frontend system, with its own header. @public */
export const LegacyDingtalkPage = () => <DingtalkPage legacyHeader />;
