// The API docs: Swagger UI (vendored) over this server's own OpenAPI description.
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
