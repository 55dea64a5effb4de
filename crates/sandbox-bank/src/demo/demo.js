// Demo bank website: talks to the embedded portal (postMessage protocol bankid-portal/1).
// The portal's origin and the bank id come from data- attributes of the iframe; nothing else is
// trusted: a message counts only if it comes from the portal's origin, from this iframe's window,
// and carries the protocol tag.
(function () {
  'use strict';

  var PROTOCOL = 'bankid-portal/1';
  var LOCALES = ['ru', 'uk', 'en'];
  var STATUS_TEXT = {
    awaiting_bank: 'ожидается ответ банка',
    pending_confirmation: 'ожидает подтверждения',
    active: 'учётная запись активна',
    rejected: 'отказано',
    failed: 'не удалось'
  };

  var frame = document.getElementById('bp-portal-frame');
  if (!frame) return;
  var portalOrigin = frame.getAttribute('data-portal-origin');
  var initialLocale = frame.getAttribute('data-locale') || 'ru';
  if (!portalOrigin) return;
  var statusEl = document.getElementById('bp-portal-status');
  var log = document.getElementById('bp-messages');
  var localeSelect = document.getElementById('bp-portal-lang');

  function show(text, isError) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = isError ? 'portal-status is-error' : 'portal-status';
  }

  function record(data) {
    if (!log) return;
    var text;
    try {
      text = JSON.stringify(data);
    } catch (e) {
      text = String(e);
    }
    var li = document.createElement('li');
    li.textContent = text;
    log.appendChild(li);
  }

  function postLocale(locale) {
    if (LOCALES.indexOf(locale) < 0 || !frame.contentWindow) return;
    frame.contentWindow.postMessage({ protocol: PROTOCOL, type: 'locale', locale: locale }, portalOrigin);
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== portalOrigin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || typeof data !== 'object' || data.protocol !== PROTOCOL) return;
    record(data);
    switch (data.type) {
      case 'ready':
        // A language chosen before the frame listened (or kept by the browser on reload).
        if (localeSelect && localeSelect.value !== initialLocale) postLocale(localeSelect.value);
        break;
      case 'resize':
        if (typeof data.height === 'number' && isFinite(data.height) && data.height >= 0) {
          frame.style.height = Math.ceil(data.height) + 'px';
        }
        break;
      case 'done': {
        var status = String(data.status);
        var words = Object.prototype.hasOwnProperty.call(STATUS_TEXT, status) ? ' (' + STATUS_TEXT[status] + ')' : '';
        show('Портал: заявка ' + String(data.request_number) + ' — статус ' + status + words, false);
        break;
      }
      case 'error':
        show('Портал: ошибка ' + String(data.code) + ' — код для поддержки ' + String(data.trace_id), true);
        break;
      default:
        break;
    }
  });

  if (localeSelect) {
    localeSelect.addEventListener('change', function () {
      postLocale(localeSelect.value);
    });
  }
})();
