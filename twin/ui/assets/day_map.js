// The Day page's map and feed at the slider's minute, drawn in the browser from the run's
// frames (twin/ui/playback.py: frames): the server computed every frame's states once, so
// a slider step or a tick of the play button only picks a frame here and fills the
// template's traces; no request goes to the server.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    fieldtwin: {
        dayMap: function (minute, frames) {
            const noUpdate = window.dash_clientside.no_update;
            if (!frames) {
                return [noUpdate, noUpdate, noUpdate];
            }
            if (frames.empty !== undefined) {
                const empty = {
                    data: [],
                    layout: {title: {text: frames.empty}, template: "plotly_white", height: 200},
                };
                return [empty, [], ""];
            }
            const n = frames.visits.length;
            const k = Math.max(0, Math.min(n - 1, Math.round((minute - frames.first) / frames.step)));
            const at = frames.first + k * frames.step;
            const hhmm = String(Math.floor(at / 60)).padStart(2, "0") + ":" +
                String(at % 60).padStart(2, "0");
            const byState = {};
            frames.states.forEach(function (s) { byState[s] = {x: [], y: [], text: []}; });
            const codes = frames.visits[k];
            for (let i = 0; i < codes.length; i++) {
                const c = codes.charCodeAt(i) - 48;
                if (c < 0 || c > 9) { continue; }  // '-': not booked yet
                const s = byState[frames.states[c]];
                s.x.push(frames.xy[i][0]);
                s.y.push(frames.xy[i][1]);
                s.text.push(frames.visit_ids[i]);
            }
            const legs = {"1": {x: [], y: []}, "2": {x: [], y: []}};
            const legCodes = frames.legs[k];
            for (let i = 0; i < legCodes.length; i++) {
                const into = legs[legCodes[i]];
                if (into) {
                    into.x.push.apply(into.x, frames.leg_xy[i][0]);
                    into.y.push.apply(into.y, frames.leg_xy[i][1]);
                }
            }
            const techs = {"1": {x: [], y: [], text: []}, "2": {x: [], y: [], text: []}};
            const techCodes = frames.tech_states[k];
            for (let i = 0; i < techCodes.length; i++) {
                const into = techs[techCodes[i]];
                if (into) {
                    into.x.push(frames.places[k][i][0]);
                    into.y.push(frames.places[k][i][1]);
                    into.text.push(frames.techs[i]);
                }
            }
            const fill = {
                "legs driven": legs["1"],
                "legs under way": legs["2"],
                "technicians": techs["1"],
                "unavailable (sick or broken down)": techs["2"],
            };
            const data = frames.template.data.map(function (trace) {
                const meta = trace.meta;
                const part = byState[meta] || fill[meta];
                if (!part) { return trace; }  // the streets: the same all day
                const out = Object.assign({}, trace, {x: part.x, y: part.y});
                if (part.text) {
                    out.text = part.text;
                    out.name = meta + " (" + part.x.length + ")";
                }
                return out;
            });
            const layout = Object.assign({}, frames.template.layout, {
                title: {text: "Visits, routes and technicians at " + hhmm + " (UTC)"},
            });
            const feed = [];
            for (let i = frames.feed.length - 1; i >= 0 && feed.length < 12; i--) {
                const f = frames.feed[i];
                if (f[0] > at) { continue; }
                feed.push({
                    type: "Li", namespace: "dash_html_components",
                    props: {
                        className: "feed-" + f[2],
                        children: [
                            {type: "B", namespace: "dash_html_components", props: {children: f[1]}},
                            " " + f[2] + ": " + f[3],
                        ],
                    },
                });
            }
            if (!feed.length) {
                feed.push({
                    type: "Li", namespace: "dash_html_components",
                    props: {className: "note", children: "Nothing yet at " + hhmm + "."},
                });
            }
            return [{data: data, layout: layout}, feed, hhmm];
        },
    },
});
