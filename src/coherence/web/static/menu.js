// A button that opens a small menu under it (the plan page's Export and Report): the
// button says whether it is open (aria-expanded); choosing an item, clicking elsewhere
// or Escape closes it.

// opened(): called each time the menu opens (to fill in what depends on the moment).
// Returns close().
export function installMenu(button, menu, { opened } = {}) {
  const close = () => {
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  };
  button.addEventListener('click', () => {
    const opening = menu.hidden;
    menu.hidden = !opening;
    button.setAttribute('aria-expanded', String(opening));
    if (opening && opened) opened();
  });
  menu.addEventListener('click', (event) => {
    if (event.target.closest('[role="menuitem"]')) close();
  });
  document.addEventListener('click', (event) => {
    if (!menu.hidden && !menu.contains(event.target) && !button.contains(event.target)) close();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !menu.hidden) {
      close();
      button.focus();
    }
  });
  return close;
}
