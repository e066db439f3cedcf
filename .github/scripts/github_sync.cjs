// Keep one PR comment per stack and one drift issue per stack, found again by a
// hidden marker line, so re-runs update instead of piling up. Called from
// actions/github-script: `require(<this file>).upsertComment({github, context, ...})`.
'use strict';

const DRIFT_LABEL = 'drift';

async function upsertComment({ github, context, issueNumber, marker, body }) {
  const { owner, repo } = context.repo;
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner, repo, issue_number: issueNumber, per_page: 100,
  });
  const mine = comments.find(
    (c) => c.user && c.user.type === 'Bot' && typeof c.body === 'string' && c.body.includes(marker),
  );
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return { action: 'updated', id: mine.id };
  }
  const created = await github.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: 'created', id: created.data.id };
}

async function findDriftIssue({ github, context, marker }) {
  const { owner, repo } = context.repo;
  const issues = await github.paginate(github.rest.issues.listForRepo, {
    owner, repo, state: 'open', labels: DRIFT_LABEL, per_page: 100,
  });
  return issues.find((i) => !i.pull_request && typeof i.body === 'string' && i.body.includes(marker));
}

// drifted=true: open the stack's issue or refresh its body. drifted=false: close it.
async function syncDriftIssue({ github, context, marker, title, body, drifted, runUrl }) {
  const { owner, repo } = context.repo;
  const existing = await findDriftIssue({ github, context, marker });
  if (drifted) {
    if (existing) {
      await github.rest.issues.update({ owner, repo, issue_number: existing.number, title, body });
      return { action: 'updated', number: existing.number };
    }
    const created = await github.rest.issues.create({ owner, repo, title, body, labels: [DRIFT_LABEL] });
    return { action: 'opened', number: created.data.number };
  }
  if (!existing) {
    return { action: 'none' };
  }
  await github.rest.issues.createComment({
    owner, repo, issue_number: existing.number,
    body: `No drift found any more${runUrl ? ` ([check run](${runUrl}))` : ''}: closing.`,
  });
  await github.rest.issues.update({
    owner, repo, issue_number: existing.number, state: 'closed', state_reason: 'completed',
  });
  return { action: 'closed', number: existing.number };
}

// Promotion guard: true when `sha` has a successful deployment to `environment`.
async function hasSuccessfulDeployment({ github, context, sha, environment }) {
  const { owner, repo } = context.repo;
  const deployments = await github.paginate(github.rest.repos.listDeployments, {
    owner, repo, sha, environment, per_page: 100,
  });
  for (const deployment of deployments) {
    const statuses = await github.rest.repos.listDeploymentStatuses({
      owner, repo, deployment_id: deployment.id, per_page: 1,
    });
    // Statuses come newest first: the deployment counts only if its latest one is success.
    if (statuses.data.length > 0 && statuses.data[0].state === 'success') {
      return true;
    }
  }
  return false;
}

module.exports = { upsertComment, syncDriftIssue, hasSuccessfulDeployment, DRIFT_LABEL };
