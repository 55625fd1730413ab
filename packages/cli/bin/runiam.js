#!/usr/bin/env node
// What npm linked as `runiam` before the bin became bin/runiam.cjs: a checkout installed then
// keeps its link to this file until its next `npm install`, so this runs the same launcher.
import './runiam.cjs'
