module.exports = require('../../tools/build/app-webpack.config')(__dirname, 'storage');
