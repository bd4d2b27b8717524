// The present page (/plans/{id}/present): the plan's deck as full-screen slides for a
// leadership retreat. Keys: → ↓ Page Down space next, ← ↑ Page Up previous, Home/End,
// F full screen (Esc leaves it), N the speaker notes in a second window, which follows
// the current slide over a BroadcastChannel. The slides are the server's deck model
// (GET /api/v1/plans/{id}/deck): the PDF and PowerPoint downloads hold the same.

import { h } from '../dom.js';
import { loadFramework } from '../framework.js';
import { channelName, loadDeck, readOf, slidesUrl } from './deck.js';
import { drawSlideGraph, loadGraphLibraries } from './graph.js';
import { fitSlide, renderSlide } from './slides.js';

const STAGE = { width: 1920, height: 1080 };
const $ = (id) => document.getElementById(id);
const { planId, read, slide: wanted } = readOf();
const state = { deck: null, index: 0, cy: null, channel: null, cytoscape: null };

// The hook the browser tests read.
window.coherence = { ready: false, state, go: (i) => go(i) };

async function main() {
  const framework = loadFramework();
  const graphs = document.body.dataset.assets === 'ready' ? loadGraphLibraries() : Promise.resolve(null);
  graphs.catch(() => {});
  let deck;
  try {
    [deck] = await Promise.all([loadDeck(planId, read), framework]);
  } catch (error) {
    showError(error.status === 404 ? `There is no plan ${planId}.` : `Could not read the slides: ${error.message}`);
    return;
  }
  state.cytoscape = await graphs.catch(() => null);
  state.deck = deck;
  document.title = `${deck.title} · Present · Coherence`;
  setupControls();
  setupChannel();
  window.addEventListener('resize', scaleStage);
  scaleStage();
  await show(Math.min(Math.max(wanted - 1, 0), deck.slides.length - 1));
  window.coherence.ready = true;
}

function showError(text) {
  $('stage').replaceChildren(h('p', { class: 'error-box' }, text));
  window.coherence.ready = true;
}

// The stage is 1920 x 1080, scaled to the window (the slides' type is sized for that).
function scaleStage() {
  const scale = Math.min(window.innerWidth / STAGE.width, window.innerHeight / STAGE.height);
  const stage = $('stage');
  stage.style.transform = `translate(-50%, -50%) scale(${scale})`;
  state.scale = scale;
}

async function show(index) {
  const { slides } = state.deck;
  index = Math.max(0, Math.min(slides.length - 1, index));
  state.index = index;
  const slide = slides[index];
  if (state.cy) {
    state.cy.destroy();
    state.cy = null;
  }
  const section = renderSlide(slide, index, slides.length);
  $('stage').replaceChildren(section);
  const container = section.querySelector('.slide-graph');
  if (container && slide.graph && state.cytoscape) {
    state.cy = drawSlideGraph(state.cytoscape, container, slide.graph);
  }
  section.dataset.fits = String(fitSlide(section));
  $('counter').textContent = `${index + 1} / ${slides.length}`;
  $('prev').disabled = index === 0;
  $('next').disabled = index === slides.length - 1;
  const url = new URL(window.location.href);
  url.searchParams.set('slide', String(index + 1));
  window.history.replaceState(null, '', url);
  announce();
}

export function go(index) {
  if (!state.deck) return Promise.resolve();
  return show(index);
}

// -- controls -------------------------------------------------------------------------

const NEXT = new Set(['ArrowRight', 'ArrowDown', 'PageDown', ' ', 'Spacebar', 'Enter']);
const PREVIOUS = new Set(['ArrowLeft', 'ArrowUp', 'PageUp', 'Backspace']);

function setupControls() {
  const plan = `/plans/${encodeURIComponent(planId)}`;
  $('back').href = read.get('version') ? `${plan}?version=${encodeURIComponent(read.get('version'))}` : plan;
  $('download-pdf').href = slidesUrl(planId, read, 'pdf');
  $('download-pdf').setAttribute('download', `${state.deck.plan}-v${state.deck.version}.pdf`);
  $('download-pptx').href = slidesUrl(planId, read, 'pptx');
  $('download-pptx').setAttribute('download', `${state.deck.plan}-v${state.deck.version}.pptx`);
  $('prev').addEventListener('click', () => go(state.index - 1));
  $('next').addEventListener('click', () => go(state.index + 1));
  $('fullscreen').addEventListener('click', toggleFullScreen);
  $('notes').addEventListener('click', openNotes);
  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest && event.target.closest('a, button') && (event.key === ' ' || event.key === 'Enter')) return;
    const key = event.key;
    if (NEXT.has(key)) go(state.index + 1);
    else if (PREVIOUS.has(key)) go(state.index - 1);
    else if (key === 'Home') go(0);
    else if (key === 'End') go(state.deck.slides.length - 1);
    else if (key === 'f' || key === 'F') toggleFullScreen();
    else if (key === 'Escape') leaveFullScreen();
    else if (key === 'n' || key === 'N') openNotes();
    else return;
    event.preventDefault();
  });
  // The controls show while the mouse moves, and hide after a moment.
  let timer = null;
  const controls = $('controls');
  document.addEventListener('mousemove', () => {
    controls.classList.add('shown');
    clearTimeout(timer);
    timer = setTimeout(() => controls.classList.remove('shown'), 2500);
  });
}

function toggleFullScreen() {
  if (document.fullscreenElement) leaveFullScreen();
  else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
}

function leaveFullScreen() {
  if (document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(() => {});
}

function openNotes() {
  const url = new URL(`/plans/${encodeURIComponent(planId)}/present/notes`, window.location.origin);
  for (const [name, value] of read) url.searchParams.set(name, value);
  state.notesWindow = window.open(url, `coherence-notes-${planId}`, 'popup,width=1000,height=760');
}

// -- the notes window -------------------------------------------------------------------

function setupChannel() {
  if (typeof BroadcastChannel === 'undefined') return;
  state.channel = new BroadcastChannel(channelName(planId, read));
  state.channel.addEventListener('message', (event) => {
    const message = event.data || {};
    if (message.type === 'hello') announce();
    if (message.type === 'go' && Number.isInteger(message.index)) go(message.index);
  });
}

function announce() {
  if (state.channel) state.channel.postMessage({ type: 'slide', index: state.index, version: state.deck.version });
}

main().catch((error) => {
  showError(`Something went wrong: ${error.message}`);
  throw error;
});
