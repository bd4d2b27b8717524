// Publish the plan's report (admins): while published, anyone may read the report of its
// latest version at /public/{plan}, with no sign-in. POST or DELETE
// /api/v1/plans/{id}/publish; kept in the history. Hidden from other roles (the server
// refuses them anyway).

import { getJSON, send } from './api.js';
import { h } from './dom.js';
import { me } from './session.js';

const hook = { published: null, error: null };

export async function mountPublish({ planId }) {
  window.coherence.publish = hook;
  const box = document.getElementById('publish-box');
  const who = await me;
  if (!who || who.role !== 'admin') return;
  const path = `/api/v1/plans/${encodeURIComponent(planId)}`;
  const plan = await getJSON(path);
  const publicUrl = `/public/${encodeURIComponent(planId)}`;

  function draw(published) {
    hook.published = published;
    const button = h('button', {
      type: 'button',
      id: 'publish-toggle',
      class: 'needs-admin',
      'aria-pressed': String(published),
      title: published
        ? 'Take the public report down: /public/… answers 404 again'
        : 'Let anyone read the report of the latest version at /public/…, without signing in',
    }, published ? 'Unpublish' : 'Publish');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await send(published ? 'DELETE' : 'POST', `${path}/publish`, {});
        draw(!published);
      } catch (error) {
        hook.error = error.message;
        button.disabled = false;
        window.alert(`Not saved: ${error.message}`);
      }
    });
    const children = [button];
    if (published) {
      children.push(h('a', { href: publicUrl, id: 'publish-link', target: '_blank', rel: 'noopener', class: 'publish-link' }, 'Public page'));
    }
    box.replaceChildren(...children);
    box.hidden = false;
  }
  draw(Boolean(plan.published));
}
