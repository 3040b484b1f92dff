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

import { Grid, Typography } from '@material-ui/core';
import { Content, Header, Page } from '@backstage/core-components';
import { Route, Routes, useParams, useSearchParams } from 'react-router-dom';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { IncidentList } from '../IncidentList';
import { IncidentDetail } from '../IncidentDetail';
import { RuleEditor } from '../RuleEditor';
import { ServiceChooser } from '../ServiceChooser';
import { ServicesOverview } from '../ServicesOverview';
import { ServiceWebhooks } from '../Webhooks';
import { TriggerIncidentForm } from '../TriggerIncident';
import { NotificationPreferencesCard } from '../NotificationPreferences';

function Detail() {
  const { id } = useParams();
  return <IncidentDetail id={id!} />;
}

function Home() {
  // The chosen service lives in the URL, so a rule can be linked to.
  const [params, setParams] = useSearchParams();
  const service = params.get('service') ?? undefined;
  return (
    <Grid container spacing={2}>
      <Grid item xs={12}>
        <Typography variant="h5">Incidents</Typography>
        <IncidentList />
      </Grid>
      <Grid item xs={12}>
        <Typography variant="h5">Escalation rules</Typography>
        <ServiceChooser
          value={service}
          onChange={ref =>
            setParams(ref ? { service: ref } : {}, { replace: true })
          }
        />
        <ServicesOverview
          selected={service}
          onSelect={ref => setParams({ service: ref }, { replace: true })}
        />
        {service && <RuleEditor key={service} serviceRef={service} />}
      </Grid>
      {service && (
        <Grid item xs={12} key={service}>
          <ServiceWebhooks serviceRef={service} />
          <TriggerIncidentForm
            serviceRef={service}
            incidentLink={id => `incidents/${encodeURIComponent(id)}`}
          />
        </Grid>
      )}
      <Grid item xs={12}>
        <NotificationPreferencesCard />
      </Grid>
    </Grid>
  );
}

/** The on-call page: incidents and escalation rules. @public */
export function OncallPage(props: { legacyHeader?: boolean }) {
  const content = (
    <Routes>
      <Route path="/incidents/:id" element={<Detail />} />
      <Route path="/*" element={<Home />} />
    </Routes>
  );
  if (!props.legacyHeader) return <Content>{content}</Content>;
  return (
    <Page themeId="tool">
      <Header title="On-call" subtitle="Incidents and escalation rules" />
      <Content>{content}</Content>
    </Page>
  );
}

/** @public */
export const LegacyOncallPage = () => <OncallPage legacyHeader />;

/** The "On-call" tab of a service's entity page. @public */
export function EntityOncallContent() {
  const { entity } = useEntity();
  const ref = stringifyEntityRef(entity);
  return (
    <Grid container spacing={2}>
      <Grid item xs={12}>
        <RuleEditor serviceRef={ref} />
      </Grid>
      <Grid item xs={12}>
        <IncidentList serviceRef={ref} />
      </Grid>
      <Grid item xs={12}>
        <ServiceWebhooks serviceRef={ref} />
      </Grid>
      <Grid item xs={12}>
        <TriggerIncidentForm serviceRef={ref} />
      </Grid>
    </Grid>
  );
}
