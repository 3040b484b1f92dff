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

// @ts-check

/**
 * Times are epoch milliseconds (bigint) so that the escalation engine's
 * compare-and-set claims can use an injectable clock instead of the database's.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('oncall_incidents', table => {
    table.string('id', 36).primary();
    table.string('title', 512).notNullable();
    table.text('description');
    table.string('severity', 16).notNullable();
    table.string('status', 16).notNullable();
    table.string('service_ref', 255).notNullable();
    table.text('labels').notNullable();
    table.string('alert_key', 255);
    // Equals alert_key while the incident is open and NULL once resolved, so the
    // unique index below lets only one open incident exist per key.
    table.string('open_alert_key', 255);
    table.integer('alert_count').notNullable().defaultTo(1);
    table.string('assignee', 255);
    table.bigInteger('snoozed_until');
    table.string('acknowledged_by', 255);
    table.bigInteger('acknowledged_at');
    table.string('resolved_by', 255);
    table.bigInteger('resolved_at');
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.unique(['service_ref', 'open_alert_key'], {
      indexName: 'oncall_incidents_open_alert_key_idx',
    });
    table.index(['status'], 'oncall_incidents_status_idx');
    table.index(['created_at'], 'oncall_incidents_created_at_idx');
  });

  await knex.schema.createTable('oncall_incident_responders', table => {
    table
      .string('incident_id', 36)
      .notNullable()
      .references('id')
      .inTable('oncall_incidents')
      .onDelete('CASCADE');
    table.string('user_ref', 255).notNullable();
    table.bigInteger('added_at').notNullable();
    table.primary(['incident_id', 'user_ref']);
    table.index(['user_ref'], 'oncall_incident_responders_user_idx');
  });

  await knex.schema.createTable('oncall_timeline', table => {
    table.bigIncrements('seq').primary();
    table
      .string('incident_id', 36)
      .notNullable()
      .references('id')
      .inTable('oncall_incidents')
      .onDelete('CASCADE');
    table.string('type', 64).notNullable();
    table.text('message').notNullable();
    table.string('actor', 255);
    table.text('data');
    table.bigInteger('created_at').notNullable();
    table.index(['incident_id', 'seq'], 'oncall_timeline_incident_idx');
  });

  await knex.schema.createTable('oncall_rules', table => {
    table.string('id', 36).primary();
    table.string('service_ref', 255).notNullable().unique();
    table.string('name', 512).notNullable();
    table.text('steps').notNullable();
    table.integer('repeat').notNullable().defaultTo(0);
    table.integer('repeat_delay_minutes');
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.string('updated_by', 255);
  });

  await knex.schema.createTable('oncall_webhooks', table => {
    table.string('id', 36).primary();
    table.string('service_ref', 255).notNullable();
    table.string('name', 128).notNullable();
    table.string('token_hash', 64).notNullable().unique();
    table.string('token_prefix', 16).notNullable();
    table.bigInteger('created_at').notNullable();
    table.string('created_by', 255);
    table.bigInteger('last_used_at');
    table.index(['service_ref'], 'oncall_webhooks_service_idx');
  });

  await knex.schema.createTable('oncall_escalations', table => {
    table
      .string('incident_id', 36)
      .primary()
      .references('id')
      .inTable('oncall_incidents')
      .onDelete('CASCADE');
    table.string('rule_id', 36).notNullable();
    // Snapshot of the rule when the incident was created: an edit during an
    // escalation must not shift step numbers under a running chain.
    table.text('rule').notNullable();
    table.string('state', 16).notNullable();
    table.integer('next_step').notNullable();
    table.integer('round').notNullable().defaultTo(0);
    table.bigInteger('next_run_at').notNullable();
    table.string('claimed_by', 64);
    table.bigInteger('claim_until');
    // Set before a step notifies, cleared after its results are recorded: a
    // claim that expires with this set means the step must run again.
    table.integer('inflight_step');
    table.integer('inflight_round');
    table.bigInteger('updated_at').notNullable();
    table.index(['state', 'next_run_at'], 'oncall_escalations_due_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('oncall_escalations');
  await knex.schema.dropTable('oncall_webhooks');
  await knex.schema.dropTable('oncall_rules');
  await knex.schema.dropTable('oncall_timeline');
  await knex.schema.dropTable('oncall_incident_responders');
  await knex.schema.dropTable('oncall_incidents');
};
