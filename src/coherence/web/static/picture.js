// The server's picture of the graph (an SVG in the page's HTML, #graph-picture): shown
// in the graph's place from the first paint, at the places and fit the interactive
// graph will have, and taken away once the interactive graph is drawn.

/** The picture's revision (what the server drew), or null when there is none. */
export function pictureRevision() {
  const picture = document.getElementById('graph-picture');
  return picture ? Number(picture.dataset.revision) : null;
}

/**
 * Take the picture away (the interactive graph is drawn, or cannot be); marks when it
 * was first drawn (`coherence:picture-drawn`: its style sheet starts an animation that
 * changes nothing, in the frame that first drew it).
 */
export function removePicture() {
  const picture = document.getElementById('graph-picture');
  if (!picture) return;
  const [shown] = picture.getAnimations();
  if (shown && shown.startTime !== null) performance.mark('coherence:picture-drawn', { startTime: shown.startTime });
  picture.remove();
  performance.mark('coherence:picture-removed');
}
