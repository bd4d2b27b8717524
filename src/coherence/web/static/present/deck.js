// The deck of a plan, as the server builds it once (GET /api/v1/plans/{id}/deck): the
// present page, the notes window, the PDF and the PowerPoint file show the same slides.

import { getJSON } from '../api.js';

/** The plan id and the read (version, as_of) of a present page's URL. */
export function readOf(location = window.location) {
  const parts = location.pathname.split('/').filter(Boolean);
  const planId = decodeURIComponent(parts[1] || '');
  const params = new URLSearchParams(location.search);
  const read = new URLSearchParams();
  for (const name of ['version', 'as_of']) {
    if (params.get(name)) read.set(name, params.get(name));
  }
  return { planId, read, slide: Number(params.get('slide')) || 1 };
}

export function deckUrl(planId, read) {
  const query = read.toString();
  return `/api/v1/plans/${encodeURIComponent(planId)}/deck${query ? `?${query}` : ''}`;
}

export function slidesUrl(planId, read, format) {
  const query = new URLSearchParams(read);
  query.set('format', format);
  return `/api/v1/plans/${encodeURIComponent(planId)}/slides?${query}`;
}

export function loadDeck(planId, read) {
  return getJSON(deckUrl(planId, read));
}

/** The channel the present page and its notes window talk over (one per plan and read). */
export function channelName(planId, read) {
  return `coherence-present:${planId}:${read.toString()}`;
}
