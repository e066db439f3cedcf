// A fake of the parts of actions/github-script's `github` object that
// .github/scripts/github_sync.cjs uses, kept in memory, so the tests can run the
// real module with node. Usage: node workflows_fake_github.cjs '<scenario json>'
// Scenario: {"call": "<export name>", "args": {...}, "state": {comments, issues,
// deployments, statuses}}; prints {"result", "state", "calls"} as JSON.
'use strict';

const path = require('path');

const scenario = JSON.parse(process.argv[2]);
const state = Object.assign(
  { comments: [], issues: [], deployments: [], statuses: {} },
  scenario.state || {},
);
const calls = [];
let nextId = 1000;

function record(name, params) {
  calls.push({ name, params });
}

const rest = {
  issues: {
    async listComments(params) {
      record('listComments', params);
      return { data: state.comments.filter((c) => c.issue_number === params.issue_number) };
    },
    async updateComment(params) {
      record('updateComment', params);
      const c = state.comments.find((x) => x.id === params.comment_id);
      c.body = params.body;
      return { data: c };
    },
    async createComment(params) {
      record('createComment', params);
      const c = { id: nextId++, issue_number: params.issue_number, body: params.body, user: { type: 'Bot' } };
      state.comments.push(c);
      return { data: c };
    },
    async listForRepo(params) {
      record('listForRepo', params);
      const wanted = (params.labels || '').split(',').filter(Boolean);
      return {
        data: state.issues.filter(
          (i) => i.state === params.state && wanted.every((l) => (i.labels || []).includes(l)),
        ),
      };
    },
    async create(params) {
      record('create', params);
      const i = { number: nextId++, title: params.title, body: params.body, labels: params.labels, state: 'open' };
      state.issues.push(i);
      return { data: i };
    },
    async update(params) {
      record('update', params);
      const i = state.issues.find((x) => x.number === params.issue_number);
      for (const key of ['title', 'body', 'state', 'state_reason']) {
        if (params[key] !== undefined) i[key] = params[key];
      }
      return { data: i };
    },
  },
  repos: {
    async listDeployments(params) {
      record('listDeployments', params);
      return {
        data: state.deployments.filter((d) => d.sha === params.sha && d.environment === params.environment),
      };
    },
    async listDeploymentStatuses(params) {
      record('listDeploymentStatuses', params);
      return { data: (state.statuses[String(params.deployment_id)] || []).slice(0, params.per_page) };
    },
  },
};

const github = {
  rest,
  async paginate(fn, params) {
    return (await fn(params)).data;
  },
};
const context = { repo: { owner: 'gantry-dev', repo: 'gantry' } };

const sync = require(path.join(__dirname, '..', '.github', 'scripts', 'github_sync.cjs'));

sync[scenario.call](Object.assign({ github, context }, scenario.args))
  .then((result) => {
    process.stdout.write(JSON.stringify({ result, state, calls }));
  })
  .catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err));
    process.exit(1);
  });
