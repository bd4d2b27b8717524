// The speaker notes window (/plans/{id}/present/notes, opened with N): the notes of the
// slide the present page shows, and the next slide's title; it follows the present
// page over a BroadcastChannel, and its buttons and arrow keys move the slides there.

import { h } from '../dom.js';
import { channelName, loadDeck, readOf } from './deck.js';

const $ = (id) => document.getElementById(id);
const { planId, read } = readOf();
const state = { deck: null, index: 0, channel: null, started: Date.now() };
window.coherence = { ready: false, state };

async function main() {
  state.deck = await loadDeck(planId, read);
  document.title = `Notes · ${state.deck.title} · Coherence`;
  render();
  if (typeof BroadcastChannel !== 'undefined') {
    state.channel = new BroadcastChannel(channelName(planId, read));
    state.channel.addEventListener('message', (event) => {
      const message = event.data || {};
      if (message.type === 'slide' && Number.isInteger(message.index)) {
        state.index = message.index;
        render();
      }
    });
    state.channel.postMessage({ type: 'hello' });
  }
  const move = (step) => state.channel && state.channel.postMessage({ type: 'go', index: state.index + step });
  $('notes-prev').addEventListener('click', () => move(-1));
  $('notes-next').addEventListener('click', () => move(1));
  document.addEventListener('keydown', (event) => {
    if (['ArrowRight', 'PageDown', ' '].includes(event.key)) move(1);
    else if (['ArrowLeft', 'PageUp'].includes(event.key)) move(-1);
    else return;
    event.preventDefault();
  });
  setInterval(tick, 1000);
  tick();
  window.coherence.ready = true;
}

function render() {
  const { slides } = state.deck;
  const slide = slides[state.index];
  $('notes-counter').textContent = `${state.index + 1} / ${slides.length}`;
  $('notes-title').textContent = slide.title;
  $('notes-body').replaceChildren(...(slide.notes.length ? slide.notes.map((n) => h('p', {}, n)) : [h('p', { class: 'muted' }, 'No notes.')]));
  const next = slides[state.index + 1];
  $('notes-next-title').textContent = next ? next.title : 'the end';
}

function tick() {
  const seconds = Math.floor((Date.now() - state.started) / 1000);
  $('notes-clock').textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

main().catch((error) => {
  $('notes-body').replaceChildren(h('p', { class: 'error-box' }, `Could not read the slides: ${error.message}`));
  window.coherence.ready = true;
});
