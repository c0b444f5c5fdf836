// The offline shell of the installed app (PWA). Only two kinds of requests are handled:
// page navigations (network first; offline, the cached shell, which shows the app's own
// "offline" state) and the content-hashed build files under /assets/ (cache first: they never
// change). API calls, tiles, the live socket and everything else go to the network untouched.
const SHELL = 'twin-shell-v1';

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll(['/', '/manifest.webmanifest', '/icons/icon-192.png'])).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    e.respondWith(fetch(req).then((res) => {
      if (res.ok) {
        const copy = res.clone();
        void caches.open(SHELL).then((c) => c.put('/', copy));
      }
      return res;
    }).catch(() => caches.match('/').then((r) => r ?? Response.error())));
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    e.respondWith(caches.match(req).then((hit) => hit ?? fetch(req).then((res) => {
      if (res.ok) {
        const copy = res.clone();
        void caches.open(SHELL).then((c) => c.put(req, copy));
      }
      return res;
    })));
  }
});
