// A click on a chart point that carries an address (its reply's sentence) goes there.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  itdash: Object.assign({}, (window.dash_clientside || {}).itdash, {
    openReply: function (click) {
      const point = click && click.points && click.points[0];
      const where = point && point.customdata;
      if (typeof where === "string" && where.startsWith("/sources?")) {
        window.location.assign(where);
      }
      return window.dash_clientside.no_update;
    },
  }),
});
