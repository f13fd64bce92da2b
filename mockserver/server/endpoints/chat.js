// The mock iframe page's chat box. Served by the mock (the page's CSP allows only 'self' scripts).
// Without this script the form still works: it posts and the mock redirects back to the page.
"use strict";
(function () {
  var form = document.getElementById("chat-form");
  if (!form) return;
  var input = document.getElementById("message");
  var thread = document.getElementById("thread");
  var refusal = document.getElementById("refusal");
  var status = document.getElementById("limit-status");

  function show(message) {
    var li = document.createElement("li");
    li.className = message.role;
    li.textContent = message.role + ": " + message.content;  // text, never HTML
    thread.appendChild(li);
  }

  function showLimit(info) {
    status.textContent = info
      ? info.remaining + " of " + info.limit + " messages left in the " + info.window + " window."
      : "No message limits apply to this user.";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    fetch("messages" + window.location.search, {  // the query keeps the mock's session
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ message: text }),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) {
          body.messages.forEach(show);
          refusal.textContent = "";
          showLimit(body.rate_limit);
          input.value = "";
        } else if (response.status === 429) {
          refusal.textContent = "Message refused: " + body.error;
          status.textContent = "0 messages left; retry in " + response.headers.get("Retry-After") + " s.";
        } else if (response.status === 410 || response.status === 404) {
          refusal.textContent = "This iframe link has expired. Ask the app for a new one.";
          form.hidden = true;
        } else {
          refusal.textContent = "Message refused: " + body.error;
        }
      });
    }).catch(function () {
      refusal.textContent = "The mock did not answer; try again.";
    });
  });
})();
