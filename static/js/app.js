/* Sannong Desk browser glue. Loaded as a file because the CSP forbids inline scripts. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function cookie(name) {
    var prefix = name + "=";
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i].trim();
      if (part.indexOf(prefix) === 0) {
        return decodeURIComponent(part.slice(prefix.length));
      }
    }
    return "";
  }

  // Django's CSRF check on htmx POSTs: the token travels in the X-CSRFToken header.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = cookie("csrftoken");
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // The language selector submits itself; its button stays for browsers without JS.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
})();
